"""Requirement numbers stay unique and consecutive when people file at the same moment."""

import threading

import pytest
from django.db import connection

from requests_app.models import NumberSequence, Requirement
from tests.conftest import require_postgres
from tests.factories import make_requirement

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_parallel_filings_get_distinct_consecutive_numbers(org):
    require_postgres()
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def file_one(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            requirement = make_requirement(org, topic=f"并发需求{index}")
            with lock:
                numbers.append(requirement.number)
        except BaseException as error:  # reported below, in the test's thread
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_one, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert len(numbers) == THREADS
    year = numbers[0][:4]
    assert sorted(numbers) == [f"{year}-MKT-{n:03d}" for n in range(1, THREADS + 1)]
    assert Requirement.objects.count() == THREADS
    assert NumberSequence.objects.get(department=org["departments"]["MKT"]).last_value == THREADS
