package io.lbkit.core;

/**
 * A source of nanosecond time for every timer in lbkit (hold timers, health checks, stick-table
 * expiry). Tests inject a controllable ticker instead of sleeping. Values only make sense as
 * differences, as with {@link System#nanoTime()}; code compares them by subtraction so a ticker
 * may start anywhere, including near {@code Long.MAX_VALUE}.
 */
@FunctionalInterface
public interface Ticker {
  /** Returns the current time in nanoseconds from an arbitrary origin. */
  long read();

  /** The system ticker, backed by {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
