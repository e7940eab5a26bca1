"""Paper kits: the printed copy of what each unit needs when every server is down."""
