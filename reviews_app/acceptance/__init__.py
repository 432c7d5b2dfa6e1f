"""The acceptance (成果验收): criteria, the acceptance record with its sign-offs, and
its outcome. Services, selectors, API and pages of this concept live here."""
