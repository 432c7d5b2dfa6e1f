from django.core.management.base import BaseCommand
from django.utils import timezone

from collab.notifications.workdays import fill_statutory, fill_year


class Command(BaseCommand):
    help = (
        "Fill the work calendar with statutory holidays and make-up workdays (调休) from "
        "chinese-calendar; for years it does not cover, with the holidays computed from "
        "the statutory rules (make-up workdays unknown). Admin entries are kept. "
        "Default: this year and the next."
    )

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int)

    def handle(self, *args, years=(), **options):
        this_year = timezone.localdate().year
        for year in years or (this_year, this_year + 1):
            try:
                written = fill_year(year)
            except NotImplementedError:
                written = fill_statutory(year)
                self.stderr.write(
                    self.style.WARNING(
                        f"{year}: chinese-calendar has no holiday data; {written} statutory "
                        "holiday(s) computed from the rules, make-up workdays (调休) unknown. "
                        "Import the State Council notice when it is published "
                        "(manage.py import_holiday_notice FILE, or admin › 工作日历)."
                    )
                )
                continue
            self.stdout.write(f"{year}: {written} day(s) written")
