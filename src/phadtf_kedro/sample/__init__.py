"""The embedded demo person: a photograph from scikit-image made to speak with eSpeak NG."""
