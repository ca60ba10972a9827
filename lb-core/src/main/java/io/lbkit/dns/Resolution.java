package io.lbkit.dns;

import io.lbkit.core.Endpoint;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.Name;
import org.xbill.DNS.SRVRecord;

/**
 * What one resolution produced, the input of {@link DnsPolicy}: an error status, the endpoints of
 * an A/AAAA answer, or the records of an SRV answer with the answer for each target.
 */
final class Resolution {
  final DnsAnswer answer;
  final List<Endpoint> endpoints;
  /** The SRV records in answer order; null for an A/AAAA resolution. */
  final List<SRVRecord> srvRecords;
  final Map<Name, DnsAnswer> targets;
  /** The smallest TTL of the records used, in seconds; -1 when none. */
  final long minTtl;

  private Resolution(DnsAnswer answer, List<Endpoint> endpoints, List<SRVRecord> srvRecords,
      Map<Name, DnsAnswer> targets, long minTtl) {
    this.answer = answer;
    this.endpoints = endpoints;
    this.srvRecords = srvRecords;
    this.targets = targets;
    this.minTtl = minTtl;
  }

  static Resolution error(DnsAnswer a) {
    return new Resolution(a, List.of(), null, Map.of(), -1);
  }

  static Resolution valid(List<Endpoint> endpoints, long minTtl) {
    return new Resolution(DnsAnswer.addresses(List.of(), minTtl), List.copyOf(endpoints), null, Map.of(), minTtl);
  }

  static Resolution srv(List<SRVRecord> records, Map<Name, DnsAnswer> targets, long minTtl) {
    return new Resolution(DnsAnswer.addresses(List.of(), minTtl), List.of(), List.copyOf(records), targets, minTtl);
  }

  DnsStatus status() {
    return answer.status;
  }

  @Override
  public String toString() {
    return srvRecords != null ? "SRV " + srvRecords + " " + targets : answer.status == DnsStatus.VALID
        ? endpoints.toString() : answer.toString();
  }
}
