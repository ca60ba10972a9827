package io.lbkit.benchmarks;

import io.lbkit.cookie.CookieMode;
import io.lbkit.core.Endpoint;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Computing one server's cookie value ({@link io.lbkit.cookie.CookieCodec#compute}, the 64-bit
 * value before hex rendering) under each {@code cookie-mode}: {@code siphash} (SipHash-2-4),
 * {@code hmac} (HMAC-SHA256, truncated), {@code haproxy} (XXH64 over key + address + port). This
 * runs only when a snapshot is published (for servers whose value is not cached yet), never per
 * request; it bounds how fast a group of new servers gets its cookie table.
 *
 * <pre>java -jar lb-benchmarks/target/benchmarks.jar CookieCodec -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CookieCodec {
  private io.lbkit.cookie.CookieCodec siphash;
  private io.lbkit.cookie.CookieCodec hmac;
  private io.lbkit.cookie.CookieCodec haproxy;
  private Endpoint[] inputs;

  /** The input cursor, one per thread. */
  @State(Scope.Thread)
  public static class Cursor {
    int i;
  }

  @Setup(Level.Trial)
  public void setUp() {
    siphash = CookieMode.SIPHASH.codec(Fixtures.COOKIE_KEY);
    hmac = CookieMode.HMAC.codec(Fixtures.COOKIE_KEY);
    haproxy = CookieMode.HAPROXY.codec(Fixtures.COOKIE_KEY);
    List<Endpoint> endpoints = Fixtures.endpoints(Fixtures.INPUTS);
    inputs = endpoints.toArray(new Endpoint[0]);
    // distinct servers must get distinct values, or the codec is not what we think it is
    for (io.lbkit.cookie.CookieCodec codec : List.of(siphash, hmac, haproxy)) {
      Fixtures.check(codec.compute(inputs[0]) != codec.compute(inputs[1]), "codec gives equal values to two servers");
    }
  }

  @Benchmark
  public long siphash(Cursor c) {
    return siphash.compute(inputs[c.i++ & Fixtures.MASK]);
  }

  @Benchmark
  public long hmac(Cursor c) {
    return hmac.compute(inputs[c.i++ & Fixtures.MASK]);
  }

  @Benchmark
  public long haproxy(Cursor c) {
    return haproxy.compute(inputs[c.i++ & Fixtures.MASK]);
  }
}
