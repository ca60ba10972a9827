package io.lbkit.internal;

/** Test-only access to {@link RotationCounter}'s package-private setter, for tests in other packages. */
public final class RotationCounterAccess {
  private RotationCounterAccess() {}

  /** Sets the shared position, as if the counter had been running for a long time. */
  public static void set(RotationCounter counter, int position) {
    counter.set(position);
  }
}
