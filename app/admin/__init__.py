"""Site and team administration: roles, teams and their members."""
