package io.lbkit.proxy;

/** Where {@link ProxyHeaders} writes the header lines to send, over an engine's own header type. */
public interface HeaderSink {
  /** Adds a line, keeping lines of the same name already there. */
  void add(String name, String value);

  /** Replaces every line of that name (case-insensitive) by this one. */
  void set(String name, String value);
}
