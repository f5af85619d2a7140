"""The import of a JSON file (imports): the simulation screen and its documentation, the list of
imports, the command line `manage.py simuler`, the limits of the database a file reaches."""
