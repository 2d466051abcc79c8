"""The commented starter score that ``lofi-build new-song`` writes (the text; scaffold.py writes it)."""

from __future__ import annotations

from ..yamlio import modeline, scalar

TEMPLATE = """\
{modeline}# {title} -- a lofi-build score. Times are Tone.js TransportTime "BARS:QUARTERS:SIXTEENTHS",
# zero-based: "0:0:0" is the first beat, "1:2:0" the third beat of bar 2, "0:0:2" an eighth in.
# Durations: 1m (a bar), 2n, 4n, 8n, 16n, 8t (triplet), 4n. (dotted), or TransportTime.
# A note is [time, pitch or [pitches] or chord symbol, duration, velocity 0..1 (optional)].
# Preview with `lofi-build serve`; check with `lofi-build score {path}`.
title: {title_value}
bpm: 76                 # 20..300
time_signature: 4/4     # n/d
key: D major            # "<tonic> major|minor"
swing: 0.15             # 0..1, pushes the off-beat eighths late

# The instruments, declared once: piano, rhodes, guitar, vibraphone, musicbox, bass, drums, brushes.
parts:
  - {{name: keys, instrument: rhodes}}
  - {{name: melody, instrument: vibraphone}}
  - {{name: bass, instrument: bass}}

# Each section is a number of whole bars holding each part's notes, timed from the section's own
# start ("0:0:0" is its first beat). A section plays only the parts it names.
sections:
  intro:
    bars: 2
    keys: [["0:0:0", Em9, 1m, 0.4], ["1:0:0", A13, 1m, 0.42]]

  A:
    bars: 3             # the bars every pass plays; then one of its endings
    keys: [["0:0:0", Em9, 1m, 0.5], ["1:0:0", A13, 1m, 0.5], ["2:0:0", F#m7, 1m, 0.48]]
    melody:
      - ["0:1:0", B4, 8n, 0.6]
      - ["0:1:2", D5, 8n, 0.55]
      - ["0:2:0", F#5, 4n.]
      - ["1:0:2", E5, 8n]
      - ["1:1:0", C#5, 2n]
      - ["2:0:2", E5, 8n]
      - ["2:1:0", C#5, 8n]
      - ["2:1:2", A4, 4n.]
    bass: [["0:0:0", E2, 2n.], ["0:3:0", B1, 4n], ["1:0:0", A1, 1m], ["2:0:0", F#1, 2n.], ["2:3:0", C#2, 4n]]
    # Volta brackets: the first time the form plays A it takes the first ending, the second time
    # the second; later passes take the last one. An ending's times count from its own start.
    endings:
      - bars: 1         # 1st ending: a turnaround back to the top of A
        keys: [["0:0:0", B7b9, 1m, 0.45]]
        melody: [["0:2:0", D#5, 4n], ["0:3:0", C5, 8n], ["0:3:2", B4, 8n]]
        bass: [["0:0:0", B1, 2n.], ["0:3:0", F#1, 4n]]
      - bars: 1         # 2nd ending: home on D
        keys: [["0:0:0", Dmaj9, 1m, 0.5]]
        melody: [["0:0:0", F#5, 2n.]]
        bass: [["0:0:0", D2, 1m]]

  B:
    bars: 4
    keys: [["0:0:0", Gmaj9, 1m, 0.5], ["1:0:0", F#m7, 1m, 0.48], ["2:0:0", Em9, 1m, 0.48], ["3:0:0", A13, 1m, 0.46]]
    melody:
      - ["0:0:0", B5, 4n.]
      - ["0:1:2", A5, 8n]
      - ["0:2:0", F#5, 2n]
      - ["1:0:2", E5, 8n]
      - ["1:1:0", F#5, 8n]
      - ["1:1:2", A5, 2n]
      - ["2:1:0", G5, 8n]
      - ["2:1:2", F#5, 8n]
      - ["2:2:0", E5, 2n]
      - ["3:0:0", C#5, 2n.]
    bass: [["0:0:0", G1, 1m], ["1:0:0", F#1, 1m], ["2:0:0", E2, 1m], ["3:0:0", A1, 1m]]

  outro:
    bars: 2
    keys: [["0:0:0", Gmaj9, 1m, 0.42], ["1:0:0", Dmaj9, 1m, 0.38]]
    melody: [["0:2:0", B4, 8n, 0.5], ["0:2:2", C#5, 8n, 0.45], ["0:3:0", A4, 4n, 0.45], ["1:0:0", D5, 1m, 0.4]]
    bass: [["0:0:0", G1, 1m], ["1:0:0", D2, 1m]]

# The order the sections play in: name a section again to repeat it. The song is the whole form
# and loops it.
form: [intro, A, A, B, A, outro]
"""


def starter_score(title: str, path: str, schema: str | None = None) -> str:
    """The starter score for a song called ``title`` (one line) that will be saved at ``path`` (for its
    comments); ``schema``: where editors find the score schema, from the song's folder."""
    return TEMPLATE.format(title=title, title_value=scalar(title), path=path,
                           modeline=modeline(schema) if schema else "")
