package io.lbkit.testkit;

/**
 * A {@link TestDnsServer} for a JUnit 5 test, on an ephemeral port of 127.0.0.1 (UDP and TCP).
 *
 * <pre>{@code
 * @RegisterExtension
 * final TestDnsExtension dns = TestDnsExtension.create();
 *
 * @Test
 * void resolves() {
 *   dns.server().setA("tasks.whoami", "127.0.0.2");
 *   ... .nameserver(dns.nameserver()) ...
 * }
 * }</pre>
 *
 * On an instance field the server starts before each test and closes after it; on a static field
 * it lives for the whole class ({@link TestDnsServer#reset()} undoes a test's script). Outside JUnit, {@link #start()} and {@link #close()} do the same by hand.
 */
public final class TestDnsExtension extends ScopedResource {
  private volatile TestDnsServer server;

  private TestDnsExtension() {
  }

  /** An extension that starts one server per test (instance field) or per class (static field). */
  public static TestDnsExtension create() {
    return new TestDnsExtension();
  }

  @Override
  void open() {
    server = TestDnsServer.start();
  }

  @Override
  void shut() {
    TestDnsServer s = server;
    server = null;
    if (s != null) {
      s.close();
    }
  }

  /** The running server, to script answers and read the queries it got. */
  public TestDnsServer server() {
    requireStarted();
    return server;
  }

  /** {@code 127.0.0.1:port}, as a {@code nameserver} setting. */
  public String nameserver() {
    return server().nameserver();
  }

  @Override
  public String toString() {
    return "TestDnsExtension";
  }
}
