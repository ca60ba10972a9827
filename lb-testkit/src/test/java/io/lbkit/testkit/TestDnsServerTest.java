package io.lbkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The test DNS server, checked with raw dnsjava messages over real UDP and TCP. */
class TestDnsServerTest {
  private final TestDnsServer dns = TestDnsServer.start();

  @AfterEach
  void close() {
    dns.close();
  }

  @Test
  void answersARecordsNxdomainAndNodata() throws Exception {
    dns.setA("tasks.whoami", "127.0.0.2", "127.0.0.3");
    Message a = udp(query("tasks.whoami", Type.A, 1));
    assertThat(a.getHeader().getID()).isEqualTo(1);
    assertThat(a.getHeader().getFlag(Flags.QR)).isTrue();
    assertThat(ips(a)).containsExactly("127.0.0.2", "127.0.0.3");
    assertThat(udp(query("tasks.whoami", Type.AAAA, 2)).getSection(Section.ANSWER)).isEmpty();
    assertThat(udp(query("tasks.whoami", Type.AAAA, 2)).getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(udp(query("nothing.here", Type.A, 3)).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(dns.queries("tasks.whoami")).extracting(TestDnsServer.Query::typeName)
        .containsExactly("A", "AAAA", "AAAA");
  }

  @Test
  void truncatesOverUdpAndAnswersWholeOverTcp() throws Exception {
    dns.setA("tasks.whoami", "127.0.0.2").setTruncated("tasks.whoami", true);
    Message u = udp(query("tasks.whoami", Type.A, 7));
    assertThat(u.getHeader().getFlag(Flags.TC)).isTrue();
    assertThat(u.getSection(Section.ANSWER)).isEmpty();
    Message t = tcp(query("tasks.whoami", Type.A, 8));
    assertThat(t.getHeader().getFlag(Flags.TC)).isFalse();
    assertThat(ips(t)).containsExactly("127.0.0.2");
    assertThat(dns.queries()).extracting(TestDnsServer.Query::transport)
        .containsExactly(TestDnsServer.Transport.UDP, TestDnsServer.Transport.TCP);
  }

  @Test
  void srvAnswersCarryTargetsInTheAdditionalSection() throws Exception {
    dns.setSrv("_http._tcp.whoami", TestDnsServer.srv(1, 5, 8080, "a.whoami")).setA("a.whoami", "127.0.0.2");
    Message m = udp(query("_http._tcp.whoami", Type.SRV, 9));
    SRVRecord srv = (SRVRecord) m.getSection(Section.ANSWER).get(0);
    assertThat(List.of(srv.getPriority(), srv.getWeight(), srv.getPort())).containsExactly(1, 5, 8080);
    assertThat(m.getSection(Section.ADDITIONAL)).anyMatch(r -> r instanceof ARecord);
    dns.setAdditional(false);
    assertThat(udp(query("_http._tcp.whoami", Type.SRV, 10)).getSection(Section.ADDITIONAL))
        .noneMatch(r -> r instanceof ARecord);
  }

  @Test
  void rcodesSilenceAndForgeries() throws Exception {
    dns.setA("tasks.whoami", "127.0.0.2").setRcode("tasks.whoami", Rcode.SERVFAIL);
    assertThat(udp(query("tasks.whoami", Type.A, 1)).getRcode()).isEqualTo(Rcode.SERVFAIL);
    dns.setRcode("tasks.whoami", Rcode.NOERROR).setSpoof("tasks.whoami", TestDnsServer.Spoof.WRONG_ID, "127.0.0.66");
    assertThat(udp(query("tasks.whoami", Type.A, 100)).getHeader().getID()).isEqualTo(101);
    dns.setSpoof("tasks.whoami", null).setSilent("tasks.whoami", Type.A, true);
    assertThatThrownBy(() -> udp(query("tasks.whoami", Type.A, 1))).isInstanceOf(SocketTimeoutException.class);
    assertThat(udp(query("tasks.whoami", Type.AAAA, 1)).getRcode()).isEqualTo(Rcode.NOERROR);
  }

  @Test
  void rawRepliesGoOutAsGivenWithTheQueryId() throws Exception {
    Message canned = new Message(0);
    canned.getHeader().setFlag(Flags.QR);
    canned.addRecord(Record.newRecord(Name.fromString("tasks.whoami."), Type.A, DClass.IN), Section.QUESTION);
    canned.addRecord(new ARecord(Name.fromString("tasks.whoami."), DClass.IN, 30,
        java.net.InetAddress.getByName("127.0.0.9")), Section.ANSWER);
    dns.setA("tasks.whoami", "127.0.0.2").setRawReply("tasks.whoami", canned.toWire());
    Message u = udp(query("tasks.whoami", Type.A, 4242));
    assertThat(u.getHeader().getID()).isEqualTo(4242);
    assertThat(ips(u)).containsExactly("127.0.0.9");
    Message t = tcp(query("tasks.whoami", Type.A, 513));
    assertThat(t.getHeader().getID()).isEqualTo(513);
    assertThat(ips(t)).containsExactly("127.0.0.9");
    dns.setRawReply("tasks.whoami", null);
    assertThat(ips(udp(query("tasks.whoami", Type.A, 1)))).containsExactly("127.0.0.2");
  }

  private static byte[] query(String name, int type, int id) throws Exception {
    Message q = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
    q.getHeader().setID(id);
    q.addRecord(new OPTRecord(512, 0, 0), Section.ADDITIONAL);
    return q.toWire();
  }

  private Message udp(byte[] query) throws Exception {
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(300);
      s.send(new DatagramPacket(query, query.length, dns.address()));
      DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
      s.receive(p);
      return new Message(Arrays.copyOf(p.getData(), p.getLength()));
    }
  }

  private Message tcp(byte[] query) throws Exception {
    try (Socket s = new Socket(dns.address().getAddress(), dns.port())) {
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write(new byte[] {(byte) (query.length >>> 8), (byte) query.length});
      out.write(query);
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] reply = new byte[in.readUnsignedShort()];
      in.readFully(reply);
      return new Message(reply);
    }
  }

  private static List<String> ips(Message m) {
    return m.getSection(Section.ANSWER).stream().map(r -> ((ARecord) r).getAddress().getHostAddress())
        .collect(Collectors.toList());
  }
}
