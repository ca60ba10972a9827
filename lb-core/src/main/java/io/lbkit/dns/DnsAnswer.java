package io.lbkit.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** One classified reply (or the lack of one): status, and the records a valid one carries. */
final class DnsAnswer {
  private static final int MAX_CNAMES = 16;

  final DnsStatus status;
  final String detail;
  final List<InetAddress> addresses;
  final List<SRVRecord> srv;
  /** A/AAAA records of the additional section, by owner name (SRV replies only). */
  final Map<Name, List<InetAddress>> additional;
  /** The smallest TTL of the records used, in seconds; -1 when none. */
  final long minTtl;

  private DnsAnswer(DnsStatus status, String detail, List<InetAddress> addresses, List<SRVRecord> srv,
      Map<Name, List<InetAddress>> additional, long minTtl) {
    this.status = status;
    this.detail = detail;
    this.addresses = addresses;
    this.srv = srv;
    this.additional = additional;
    this.minTtl = minTtl;
  }

  static DnsAnswer error(DnsStatus status, String detail) {
    return new DnsAnswer(status, detail, List.of(), List.of(), Map.of(), -1);
  }

  static DnsAnswer addresses(List<InetAddress> addresses, long minTtl) {
    return new DnsAnswer(DnsStatus.VALID, "", List.copyOf(addresses), List.of(), Map.of(), minTtl);
  }

  /**
   * Classifies a reply whose ID and question already matched. CNAME chains inside the answer are
   * followed; records of other owners are ignored.
   */
  static DnsAnswer classify(Message m, Name qname, int qtype) {
    int rcode = m.getRcode();
    if (rcode == Rcode.NXDOMAIN) {
      return error(DnsStatus.NX, "NXDOMAIN");
    }
    if (rcode == Rcode.REFUSED) {
      return error(DnsStatus.REFUSED, "REFUSED");
    }
    if (rcode == Rcode.SERVFAIL) {
      return error(DnsStatus.SERVFAIL, "SERVFAIL");
    }
    if (rcode != Rcode.NOERROR) {
      return error(DnsStatus.OTHER, "RCODE " + Rcode.string(rcode));
    }
    List<Record> answer = m.getSection(Section.ANSWER);
    Set<Name> owners = new HashSet<>();
    owners.add(qname);
    for (int i = 0; i < MAX_CNAMES; i++) { // follow the chain whatever the record order
      boolean grew = false;
      for (Record r : answer) {
        if (r instanceof CNAMERecord && owners.contains(r.getName())) {
          grew |= owners.add(((CNAMERecord) r).getTarget());
        }
      }
      if (!grew) {
        break;
      }
    }
    long minTtl = Long.MAX_VALUE;
    List<InetAddress> addresses = new ArrayList<>();
    List<SRVRecord> srv = new ArrayList<>();
    for (Record r : answer) {
      if (r.getType() != qtype || !owners.contains(r.getName())) {
        continue;
      }
      if (r instanceof ARecord) {
        addresses.add(((ARecord) r).getAddress());
      } else if (r instanceof AAAARecord) {
        addresses.add(((AAAARecord) r).getAddress());
      } else if (r instanceof SRVRecord) {
        srv.add((SRVRecord) r);
      } else {
        continue;
      }
      minTtl = Math.min(minTtl, r.getTTL());
    }
    if (addresses.isEmpty() && srv.isEmpty()) {
      return error(DnsStatus.EMPTY, answer.isEmpty() ? "no records" : "no " + Type.string(qtype) + " record");
    }
    Map<Name, List<InetAddress>> additional = new LinkedHashMap<>();
    if (qtype == Type.SRV) {
      for (Record r : m.getSection(Section.ADDITIONAL)) {
        InetAddress a = r instanceof ARecord ? ((ARecord) r).getAddress()
            : r instanceof AAAARecord ? ((AAAARecord) r).getAddress() : null;
        if (a != null) {
          additional.computeIfAbsent(r.getName(), n -> new ArrayList<>()).add(a);
        }
      }
    }
    return new DnsAnswer(DnsStatus.VALID, "", List.copyOf(addresses), List.copyOf(srv), additional, minTtl);
  }

  @Override
  public String toString() {
    return status + (detail.isEmpty() ? "" : " (" + detail + ")")
        + (addresses.isEmpty() ? "" : " " + addresses) + (srv.isEmpty() ? "" : " " + srv);
  }
}
