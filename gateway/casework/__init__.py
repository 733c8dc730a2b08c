"""Casework: a case's lifecycle steps as the API and the manager's forms both take them (what
each step takes, the changed case, recording it) and the letter that goes with each step."""
