"""Video decoding, probing and encoding with the ffmpeg from the imageio-ffmpeg wheel."""
