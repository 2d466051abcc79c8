"""The commented starter score that ``lofi-build new-song`` writes (the text; scaffold.py writes it)."""

from __future__ import annotations

TEMPLATE = """\
# {title} -- a lofi-build score. Times are Tone.js TransportTime "BARS:QUARTERS:SIXTEENTHS",
# zero-based: "0:0:0" is the first beat, "1:2:0" the third beat of bar 2, "0:0:2" an eighth in.
# Durations: 1m (a bar), 2n, 4n, 8n, 16n, 8t (triplet), 4n. (dotted), or TransportTime.
# Preview with `lofi-build serve`; check with `lofi-build score {path}`.
title: {title}
bpm: 76                 # 20..300
time_signature: 4/4     # n/d
key: D major            # "<tonic> major|minor"
swing: 0.15             # 0..1, pushes the off-beat eighths late
loop_bars: 4            # the song repeats every 4 bars
parts:
  - name: keys
    instrument: rhodes  # piano, rhodes, guitar, vibraphone, musicbox, bass, drums, brushes
    notes:
      # chord symbols are spelled by music21 and voiced around middle C
      - {{time: "0:0:0", chord: Em9, duration: 1m, velocity: 0.5}}
      - {{time: "1:0:0", chord: A13, duration: 1m, velocity: 0.5}}
      - {{time: "2:0:0", chord: Dmaj9, duration: 1m, velocity: 0.5}}
      - {{time: "3:0:0", notes: [B2, D3, F#3, A3, C#4], duration: 1m, velocity: 0.45}}
  - name: melody
    instrument: vibraphone
    notes:
      # compact form: [time, pitch or [pitches] or chord, duration, velocity]
      - ["0:1:0", B4, 8n, 0.6]
      - ["0:1:2", D5, 8n, 0.55]
      - ["0:2:0", F#5, 4n.]
      - ["1:0:2", E5, 8n]
      - ["1:1:0", C#5, 2n]
      - ["2:2:0", A4, 8n]
      - ["2:2:2", B4, 8n]
      - ["2:3:0", C#5, 4n]
      - ["3:0:0", B4, 2n.]
  - name: bass
    instrument: bass
    notes:
      - {{time: "0:0:0", note: E2, duration: 2n.}}
      - {{time: "0:3:0", note: B1, duration: 4n}}
      - {{time: "1:0:0", note: A1, duration: 1m}}
      - {{time: "2:0:0", note: D2, duration: 2n.}}
      - {{time: "2:3:0", note: A1, duration: 4n}}
      - {{time: "3:0:0", note: B1, duration: 1m}}
"""


def starter_score(title: str, path: str) -> str:
    """The starter score for a song called ``title`` that will be saved at ``path`` (for its comments)."""
    return TEMPLATE.format(title=title, path=path)
