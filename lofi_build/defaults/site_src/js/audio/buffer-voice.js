// A decoded file played by its own buffer source, faded in and out: the ambience and the quote.
const T = () => window.Tone;

export class BufferVoice {
  constructor(context, destination, options) {
    this.context = context;
    this.destination = destination;
    this.options = options;
    this.source = null;
  }

  start(time, offset, fadeIn) {
    this.stop(time, fadeIn);
    const src = new (T().ToneBufferSource)({ context: this.context, fadeIn, fadeOut: 0.1, onended: () => {}, ...this.options });
    src.connect(this.destination);
    src.start(time, offset);
    this.source = src;
  }

  stop(time, fade = 0.1) {
    if (!this.source) return;
    this.source.fadeOut = fade;
    this.source.stop(time);
    this.source = null;
  }
}
