"""Going live: organisations, municipalities from the CBS list, accounts and the set-up."""
