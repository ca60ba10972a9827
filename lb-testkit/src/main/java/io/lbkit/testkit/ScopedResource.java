package io.lbkit.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The lifecycle shared by the testkit's extensions: registered on a static field, the resource
 * lives for the whole class (started before all tests, stopped after them); on an instance field,
 * for one test. Without JUnit, {@link #start()} and {@link #close()} do the same by hand.
 */
abstract class ScopedResource implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
    AutoCloseable {
  private boolean classWide;
  private boolean started;

  /** Starts what the extension provides. */
  abstract void open() throws Exception;

  /** Stops what {@link #open()} started, also after a partial start. */
  abstract void shut();

  /** Starts it now (for use outside JUnit's lifecycle; the extension calls it itself). */
  public final synchronized void start() throws Exception {
    if (started) {
      throw new IllegalStateException(this + ": already started");
    }
    started = true;
    try {
      open();
    } catch (Exception | Error e) {
      started = false;
      shut();
      throw e;
    }
  }

  /** Stops it; closing twice, or before a start, does nothing. */
  @Override
  public final synchronized void close() {
    if (started) {
      started = false;
      shut();
    }
  }

  /** Throws unless started, with the fix in the message. */
  final synchronized void requireStarted() {
    if (!started) {
      throw new IllegalStateException(this + ": not started (expected: a field annotated @RegisterExtension,"
          + " or start() before use)");
    }
  }

  /** Throws once started: configuration comes before the start. */
  final synchronized void requireNotStarted(String option) {
    if (started) {
      throw new IllegalStateException(option + ": set after the start (expected: configured where the field is declared)");
    }
  }

  @Override
  public final void beforeAll(ExtensionContext context) throws Exception {
    classWide = true;
    start();
  }

  @Override
  public final void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public final void beforeEach(ExtensionContext context) throws Exception {
    if (!classWide) {
      start();
    }
  }

  @Override
  public final void afterEach(ExtensionContext context) {
    if (!classWide) {
      close();
    }
  }
}
