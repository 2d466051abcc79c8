"""General MIDI instrument names and families, spelled as @tonejs/midi spells them."""

INSTRUMENTS = (
    "acoustic grand piano", "bright acoustic piano", "electric grand piano", "honky-tonk piano",
    "electric piano 1", "electric piano 2", "harpsichord", "clavi",
    "celesta", "glockenspiel", "music box", "vibraphone", "marimba", "xylophone", "tubular bells", "dulcimer",
    "drawbar organ", "percussive organ", "rock organ", "church organ", "reed organ", "accordion",
    "harmonica", "tango accordion",
    "acoustic guitar (nylon)", "acoustic guitar (steel)", "electric guitar (jazz)", "electric guitar (clean)",
    "electric guitar (muted)", "overdriven guitar", "distortion guitar", "guitar harmonics",
    "acoustic bass", "electric bass (finger)", "electric bass (pick)", "fretless bass",
    "slap bass 1", "slap bass 2", "synth bass 1", "synth bass 2",
    "violin", "viola", "cello", "contrabass", "tremolo strings", "pizzicato strings", "orchestral harp", "timpani",
    "string ensemble 1", "string ensemble 2", "synthstrings 1", "synthstrings 2",
    "choir aahs", "voice oohs", "synth voice", "orchestra hit",
    "trumpet", "trombone", "tuba", "muted trumpet", "french horn", "brass section", "synthbrass 1", "synthbrass 2",
    "soprano sax", "alto sax", "tenor sax", "baritone sax", "oboe", "english horn", "bassoon", "clarinet",
    "piccolo", "flute", "recorder", "pan flute", "blown bottle", "shakuhachi", "whistle", "ocarina",
    "lead 1 (square)", "lead 2 (sawtooth)", "lead 3 (calliope)", "lead 4 (chiff)",
    "lead 5 (charang)", "lead 6 (voice)", "lead 7 (fifths)", "lead 8 (bass + lead)",
    "pad 1 (new age)", "pad 2 (warm)", "pad 3 (polysynth)", "pad 4 (choir)",
    "pad 5 (bowed)", "pad 6 (metallic)", "pad 7 (halo)", "pad 8 (sweep)",
    "fx 1 (rain)", "fx 2 (soundtrack)", "fx 3 (crystal)", "fx 4 (atmosphere)",
    "fx 5 (brightness)", "fx 6 (goblins)", "fx 7 (echoes)", "fx 8 (sci-fi)",
    "sitar", "banjo", "shamisen", "koto", "kalimba", "bag pipe", "fiddle", "shanai",
    "tinkle bell", "agogo", "steel drums", "woodblock", "taiko drum", "melodic tom", "synth drum", "reverse cymbal",
    "guitar fret noise", "breath noise", "seashore", "bird tweet", "telephone ring", "helicopter", "applause", "gunshot",
)

FAMILIES = (
    "piano", "chromatic percussion", "organ", "guitar", "bass", "strings", "ensemble", "brass",
    "reed", "pipe", "synth lead", "synth pad", "synth effects", "world", "percussive", "sound effects",
)

DRUM_KITS = {
    0: "standard kit", 8: "room kit", 16: "power kit", 24: "electronic kit", 25: "tr-808 kit",
    32: "jazz kit", 40: "brush kit", 48: "orchestra kit", 56: "sound fx kit",
}

DRUM_CHANNEL = 9


def instrument_json(program: int, percussion: bool = False) -> dict:
    """The ``instrument`` object of a @tonejs/midi track."""
    if percussion:
        return {"family": "drums", "name": DRUM_KITS.get(program, "standard kit"), "number": program}
    return {"family": FAMILIES[program // 8], "name": INSTRUMENTS[program], "number": program}
