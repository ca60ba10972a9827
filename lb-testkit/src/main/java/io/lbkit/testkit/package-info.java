/**
 * Test support, not API: real servers for tests and the demo ({@link io.lbkit.testkit.TestDnsServer},
 * {@link io.lbkit.testkit.WhoamiServer}), JUnit 5 extensions that start and stop them
 * ({@link io.lbkit.testkit.TestDnsExtension}, {@link io.lbkit.testkit.WhoamiExtension}), a clock tests move by
 * hand ({@link io.lbkit.testkit.FakeTicker}) and a capture of log events ({@link io.lbkit.testkit.LogCapture}).
 * Start with the extensions; the servers' Javadoc lists what they can be made to do.
 */
package io.lbkit.testkit;
