"""Load the demo organization and the seed's worked example (idempotent).

Every installed app may have a `demo.py` with `load(context)`; they run in
INSTALLED_APPS order, so each register builds on the one before it.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo organization and the seed's example collaboration (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        context: dict = {}
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.demo":
                    raise
                continue
            module.load(context)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        logins = context.get("logins", [])
        if logins:
            self.stdout.write(f"Demo logins (password for all: {context['password']}):")
            for username, role in logins:
                self.stdout.write(f"  {username:<14} {role}")
