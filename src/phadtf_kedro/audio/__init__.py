"""Audio loading and PHADTF's MFCC window features."""
