"""The import of a JSON file (imports): the limits of the database a file reaches."""
