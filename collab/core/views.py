"""Project-wide pages. The home page is the workbench (工作台) in tasks_app.views."""
