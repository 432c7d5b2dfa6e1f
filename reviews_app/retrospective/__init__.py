"""The retrospective (复盘) with its improvement actions and the lessons library.
Services, selectors, API and pages of this concept live here."""
