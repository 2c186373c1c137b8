"""The people of a deployment: the users catalogue, their passwords and the `platform users`
commands."""
