package io.lbkit.dns;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.testkit.FakeTicker;
import io.lbkit.testkit.TestDnsServer;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Fuzzes DNS answer handling end to end: the real {@link TestDnsServer} sends the fuzzer's bytes as
 * its reply (with the query's ID) over UDP, and over TCP when they set the TC bit, to a
 * {@link DnsEndpointSource} of A records or of SRV records. Input byte 0 chooses the source (bit 0)
 * and whether the bytes go out as they are or behind a reply header and the right question (bit
 * 1), so most inputs reach the record parsing. Invariants: {@code resolveNow()} completes normally
 * (no exception escapes, nothing hangs); a reply that is not VALID leaves the last good list in
 * place; and the source still resolves the good answer afterwards. Each input costs a round trip
 * (up to {@code timeout-retry}, 50 ms, when the reply is dropped), so this target is slow:
 * {@link DnsAnswerFuzzTest} is the fast one. (Its sockets, all to 127.0.0.1, are why the parent
 * POM turns off Jazzer's SSRF detector, which flags any connection made off the fuzzing thread.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DnsSourceFuzzTest {
  private static final String NAME = "fuzz.whoami";
  private static final String SRV = "_http._tcp.fuzz.whoami";

  private final FakeTicker ticker = new FakeTicker(); // never moves: every hold is still running
  private TestDnsServer dns;
  private ServerGroup aGroup;
  private ServerGroup srvGroup;
  private DnsEndpointSource aSource;
  private DnsEndpointSource srvSource;
  private Set<String> goodA;
  private Set<String> goodSrv;

  @BeforeAll
  void start() throws Exception {
    dns = TestDnsServer.start();
    dns.setA(NAME, "127.0.0.2", "127.0.0.3");
    dns.setSrv(SRV, TestDnsServer.srv(0, 1, 8080, "a.fuzz.whoami"), TestDnsServer.srv(1, 1, 8081, "b.fuzz.whoami"))
        .setA("a.fuzz.whoami", "127.0.0.4").setA("b.fuzz.whoami", "127.0.0.5");
    aGroup = ServerGroup.builder("a").slots("a", 8).ticker(ticker::read).build();
    aSource = configure(DnsEndpointSource.builder(NAME + ":80")).build(aGroup);
    srvGroup = ServerGroup.builder("srv").slots("s", 8).ticker(ticker::read).build();
    srvSource = configure(DnsEndpointSource.builder(SRV)).build(srvGroup);
    goodA = Set.of("127.0.0.2:80", "127.0.0.3:80");
    goodSrv = Set.of("127.0.0.4:8080", "127.0.0.5:8081");
    recover(aSource, aGroup, goodA, new byte[0]);
    recover(srvSource, srvGroup, goodSrv, new byte[0]);
  }

  private DnsEndpointSource.Builder configure(DnsEndpointSource.Builder b) {
    return b.nameserver(dns.nameserver()).resolvePrefer(ResolvePrefer.IPV4)
        .timeoutResolve(Duration.ofHours(1)) // only resolveNow() resolves
        .timeoutRetry(Duration.ofMillis(50)).resolveRetries(1);
  }

  @AfterAll
  void stop() {
    if (aGroup != null) {
      aGroup.close();
    }
    if (srvGroup != null) {
      srvGroup.close();
    }
    if (dns != null) {
      dns.close();
    }
  }

  @FuzzTest(maxDuration = "10m")
  void rawReplies(byte[] data) throws Exception {
    boolean srv = data.length > 0 && (data[0] & 1) != 0;
    boolean framed = data.length > 0 && (data[0] & 2) != 0;
    String name = srv ? SRV : NAME;
    DnsEndpointSource source = srv ? srvSource : aSource;
    ServerGroup group = srv ? srvGroup : aGroup;
    Set<String> good = srv ? goodSrv : goodA;
    byte[] reply = framed ? framed(data, name, srv ? Type.SRV : Type.A) : data;

    dns.setRawReply(name, reply);
    DnsStatus status = resolve(source, reply);
    if (status != DnsStatus.VALID && !endpoints(group).equals(good)) {
      throw new AssertionError(status + " reply changed the list " + good + " into " + endpoints(group));
    }
    dns.setRawReply(name, null);
    recover(source, group, good, reply);
  }

  /**
   * The good answer again gives the good list. A 50 ms try can time out on a loaded machine, so a
   * TIMEOUT is asked again (up to 10 s); any other outcome fails.
   */
  private static void recover(DnsEndpointSource source, ServerGroup group, Set<String> good, byte[] reply)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    DnsStatus status;
    do {
      status = resolve(source, reply);
    } while (status == DnsStatus.TIMEOUT && System.nanoTime() - deadline < 0);
    if (status != DnsStatus.VALID || !endpoints(group).equals(good)) {
      throw new AssertionError("after reply " + hex(reply) + " the good answer gives " + status + " "
          + endpoints(group));
    }
  }

  private static DnsStatus resolve(DnsEndpointSource source, byte[] reply) throws Exception {
    try {
      return source.resolveNow().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("resolveNow failed for reply " + hex(reply), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("resolveNow hangs after reply " + hex(reply));
    }
  }

  /** A reply header (QR set, one question, counts from the input) and the right question, then the input. */
  private static byte[] framed(byte[] data, String name, int type) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int flags = data.length > 1 ? data[1] & 0xff : 0;
    out.write(0); // ID: the server writes the query's
    out.write(0);
    out.write(0x80 | (flags & 0x7f)); // QR, opcode, AA, TC, RD from the input
    out.write(data.length > 2 ? data[2] : 0x80); // RA, Z, RCODE
    out.writeBytes(new byte[] {0, 1});
    for (int i = 3; i < 6; i++) {
      out.write(0);
      out.write(data.length > i ? data[i] & (i == 4 ? 3 : 0xff) : 0);
    }
    out.writeBytes(Record.newRecord(Name.fromConstantString(name + "."), type, DClass.IN).toWire(Section.QUESTION));
    if (data.length > 6) {
      out.write(data, 6, data.length - 6);
    }
    return out.toByteArray();
  }

  private static Set<String> endpoints(ServerGroup group) {
    Set<String> out = new TreeSet<>();
    for (Server s : group.snapshot().usable()) {
      out.add(s.endpoint().authority());
    }
    return out;
  }

  private static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x & 0xff));
    }
    return sb.toString();
  }
}
