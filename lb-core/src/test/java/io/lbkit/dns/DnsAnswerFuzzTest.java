package io.lbkit.dns;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Fuzzes the handling of a DNS reply's bytes at parser level, fast: parsing as {@link DnsQuery}
 * does (an {@code IOException} or {@code RuntimeException} of the parser is a malformed reply, any
 * other throwable escapes there and fails here) and classifying it ({@link DnsAnswer#classify}) for
 * every query type. Invariants: nothing else throws; a VALID answer holds records of the asked
 * type and family (an IPv4-mapped AAAA counts as IPv6) with a TTL; every other answer holds none.
 * {@link DnsSourceFuzzTest} sends such bytes over real sockets.
 */
class DnsAnswerFuzzTest {
  private static final Name FALLBACK = Name.fromConstantString("tasks.whoami.");

  @FuzzTest
  void classify(byte[] data) {
    Message m;
    try {
      m = new Message(data);
    } catch (IOException | RuntimeException e) {
      return; // DnsQuery counts it as MALFORMED
    }
    Record q = m.getQuestion();
    Name qname = q == null ? FALLBACK : q.getName();
    for (int type : new int[] {Type.A, Type.AAAA, Type.SRV}) {
      DnsAnswer a = DnsAnswer.classify(m, qname, type);
      if (a.status == DnsStatus.VALID) {
        if (a.addresses.isEmpty() && a.srv.isEmpty() || a.minTtl < 0) {
          throw new AssertionError("VALID without records or TTL: " + a);
        }
        for (InetAddress address : a.addresses) {
          // an IPv4-mapped AAAA (::ffff:a.b.c.d) is Java's Inet4Address a.b.c.d, the same destination
          // (seed aaaa-ipv4-mapped-cname-chain, the first finding, which was this test's mistake)
          if (type == Type.A ? !(address instanceof Inet4Address) : !(address instanceof Inet6Address
              || address instanceof Inet4Address && mapped(m, address))) {
            throw new AssertionError(Type.string(type) + " answer holds " + address);
          }
        }
        if (type == Type.SRV ? !a.addresses.isEmpty() : !a.srv.isEmpty()) {
          throw new AssertionError(Type.string(type) + " answer holds records of another type: " + a);
        }
      } else if (!a.addresses.isEmpty() || !a.srv.isEmpty()) {
        throw new AssertionError(a.status + " with records: " + a);
      }
      a.toString();
    }
  }

  private static boolean mapped(Message m, InetAddress v4) {
    for (Record r : m.getSection(Section.ANSWER)) {
      if (r instanceof AAAARecord && java.util.Arrays.equals(((AAAARecord) r).getAddress().getAddress(),
          v4.getAddress())) {
        return true;
      }
    }
    return false;
  }
}
