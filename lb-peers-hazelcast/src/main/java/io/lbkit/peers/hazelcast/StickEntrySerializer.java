package io.lbkit.peers.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.StreamSerializer;
import io.lbkit.core.Endpoint;
import java.io.IOException;
import java.net.InetAddress;

/**
 * Writes a {@link StickEntry} as: the address bytes (4 or 16, length first), the port, the
 * touched time. 14 or 26 bytes; no Java serialization, no class name on the wire.
 */
final class StickEntrySerializer implements StreamSerializer<StickEntry> {
  /** "LBK1": unique among the cluster's serializers (Hazelcast's own ids are negative). */
  static final int TYPE_ID = 0x4C424B31;

  @Override
  public void write(ObjectDataOutput out, StickEntry entry) throws IOException {
    out.writeByteArray(entry.endpoint.address().getAddress());
    out.writeShort(entry.endpoint.port());
    out.writeLong(entry.touchedMillis);
  }

  @Override
  public StickEntry read(ObjectDataInput in) throws IOException {
    byte[] address = in.readByteArray();
    int port = in.readShort() & 0xFFFF;
    long touched = in.readLong();
    if (address == null || (address.length != 4 && address.length != 16) || port == 0) {
      throw new IOException("stick entry: bad endpoint");
    }
    return new StickEntry(Endpoint.of(InetAddress.getByAddress(address), port), touched);
  }

  @Override
  public int getTypeId() {
    return TYPE_ID;
  }
}
