"""Training code: run by the ``kg train-*`` commands, never imported when a built model is used."""
