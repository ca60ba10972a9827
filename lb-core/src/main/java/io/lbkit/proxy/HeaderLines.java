package io.lbkit.proxy;

/**
 * Header lines that {@link ProxyHeaders} edits in place, over an engine's own mutable header type
 * (Netty's {@code HttpHeaders}): the engine forwards the object it received instead of a copy, and
 * names and values stay {@link CharSequence}s (no {@code String} per line). A cursor over the lines
 * in order, which may replace the value of the line it is on, removal by name, plus
 * {@link HeaderSink}'s writes.
 *
 * <p>One pass at a time: {@link #rewind()} starts a pass, {@link #next()} moves to each line;
 * lines are removed ({@link #removeAll}) or added between passes, never during one.
 */
public interface HeaderLines extends HeaderSink {
  /** Starts a new pass over the lines: the next {@link #next()} moves to the first line. */
  void rewind();

  /** Moves to the next line; false when there is none. */
  boolean next();

  /** The current line's name, as received (any case). */
  CharSequence name();

  /** The current line's value. */
  CharSequence value();

  /** Replaces the current line's value. */
  void setValue(String value);

  /** Removes every line of that name (case-insensitive); not during a pass. */
  void removeAll(String name);
}
