"""What every layer stands on: the database engine and table base, errors that say what and where, timestamps."""
