"""Project-wide pages. The home page is the workbench (工作台) of the task register,
routed in collab/urls.py."""
