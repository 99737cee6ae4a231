"""One module per hot path: each measures jinli's real code and its bare baseline in the same run."""
