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
# A part may play the sections' chord lines instead of notes: 'comping' (pushed, held, ballad, bossa)
# voices the chords under the melody, 'bass' (lofi, roots, two-feel, walking) writes a bass line.
parts:
  - {{name: keys, instrument: rhodes, comping: pushed}}
  - {{name: melody, instrument: vibraphone}}
  - {{name: bass, instrument: bass, bass: two-feel}}

# Each section is a number of whole bars holding each part's notes, timed from the section's own
# start ("0:0:0" is its first beat), and its chord line: bars split by |, chords in a bar share it
# (its bars are the section's unless 'bars' says so). A section plays only what it names.
sections:
  intro:
    chords: "Em9 | A13"
    style: {{keys: held, bass: roots}}   # this section's own styles

  A:
    chords: "Em9 | A13 | F#m7"          # the bars every pass plays; then one of its endings
    melody:
      - ["0:1:0", B4, 8n, 0.6]
      - ["0:1:2", D5, 8n, 0.55]
      - ["0:2:0", F#5, 4n.]
      - ["1:0:2", E5, 8n]
      - ["1:1:0", C#5, 2n]
      - ["2:0:2", E5, 8n]
      - ["2:1:0", C#5, 8n]
      - ["2:1:2", A4, 4n.]
    # Volta brackets: the first time the form plays A it takes the first ending, the second time
    # the second; later passes take the last one. An ending's times count from its own start.
    endings:
      - chords: "B7b9"                  # 1st ending: a turnaround back to the top of A
        melody: [["0:2:0", D#5, 4n], ["0:3:0", C5, 8n], ["0:3:2", B4, 8n]]
      - chords: "Dmaj9"                 # 2nd ending: home on D
        melody: [["0:0:0", F#5, 2n.]]

  B:
    chords: "Gmaj9 | F#m7 | Em9 | A13"
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

  outro:
    chords: "Gmaj9 | Dmaj9"
    style: {{keys: ballad, bass: roots}}
    melody: [["0:2:0", B4, 8n, 0.5], ["0:2:2", C#5, 8n, 0.45], ["0:3:0", A4, 4n, 0.45], ["1:0:0", D5, 1m, 0.4]]
    # Notes and a chord line mix: this part's notes play over what the chord line gives it.
    keys: [["1:2:0", [F#4, A4, C#5], 2n, 0.3]]

# The order the sections play in: name a section again to repeat it. The song is the whole form
# and loops it.
form: [intro, A, A, B, A, outro]
"""


def starter_score(title: str, path: str, schema: str | None = None) -> str:
    """The starter score for a song called ``title`` (one line) that will be saved at ``path`` (for its
    comments); ``schema``: where editors find the score schema, from the song's folder."""
    return TEMPLATE.format(title=title, title_value=scalar(title), path=path,
                           modeline=modeline(schema) if schema else "")
