"""The evaluation's rows: what each row shows on the held-out frames (plan), its frames as the user would see them
(frames), and every metric of every row against the real video (table)."""
