package io.lbkit.cookie;

import io.lbkit.option.OptionException;
import io.lbkit.core.Endpoint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import net.openhft.hashing.LongHashFunction;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.macs.SipHash;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * How a sticky cookie value is derived from a key and a server's address and port
 * ({@code cookie-mode}). Every mode hashes the same message: the address bytes in network order
 * (4 for IPv4, 16 for IPv6) followed by the port as 4 bytes big-endian, and yields 64 bits shown
 * as 16 lowercase hex digits.
 */
public enum CookieMode {
  /**
   * Keyed SipHash-2-4 (BouncyCastle), the default. The 128-bit SipHash key is the first 16 bytes
   * of SHA-256 over the key string's UTF-8 bytes, so any key string works. Unforgeable without
   * the key, reveals nothing about the address, and fast.
   */
  SIPHASH {
    @Override
    public CookieCodec codec(String key) {
      byte[] sipKey = new byte[16];
      System.arraycopy(sha256(key), 0, sipKey, 0, 16);
      return endpoint -> {
        SipHash mac = new SipHash(2, 4);
        mac.init(new KeyParameter(sipKey));
        byte[] message = message(null, endpoint);
        mac.update(message, 0, message.length);
        return mac.doFinal();
      };
    }
  },
  /**
   * HMAC-SHA256 (BouncyCastle) keyed with the key string's UTF-8 bytes, truncated to its first 8
   * bytes. For sites whose policy asks for a standard MAC.
   */
  HMAC {
    @Override
    public CookieCodec codec(String key) {
      byte[] macKey = key.getBytes(StandardCharsets.UTF_8);
      return endpoint -> {
        HMac mac = new HMac(new SHA256Digest());
        mac.init(new KeyParameter(macKey));
        byte[] message = message(null, endpoint);
        mac.update(message, 0, message.length);
        byte[] out = new byte[mac.getMacSize()];
        mac.doFinal(out, 0);
        return ByteBuffer.wrap(out).getLong();
      };
    }
  },
  /**
   * Exactly HAProxy's {@code dynamic-cookie-key K} with {@code cookie NAME insert dynamic}:
   * XXH64, seed 0, over the key bytes followed by the message above. Lets a site replace HAProxy
   * without breaking live sessions. Not a MAC: XXH64 is not keyed-secure, so prefer
   * {@link #SIPHASH} unless compatibility matters.
   */
  HAPROXY {
    @Override
    public CookieCodec codec(String key) {
      byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
      LongHashFunction xxh64 = LongHashFunction.xx(0);
      return endpoint -> xxh64.hashBytes(message(keyBytes, endpoint));
    }
  },
  /**
   * Prefix style, HAProxy's {@code cookie JSESSIONID prefix}: no cookie of ours is inserted; the
   * server's value (a {@link #SIPHASH} value) is prefixed to the application's own cookie, named
   * by {@code cookie}, on the way out and stripped on the way in.
   */
  PREFIX {
    @Override
    public CookieCodec codec(String key) {
      return SIPHASH.codec(key);
    }
  };

  /** A codec for this mode under {@code key}. */
  public abstract CookieCodec codec(String key);

  /** Parses {@code siphash}, {@code hmac}, {@code haproxy} or {@code prefix} (any case). */
  public static CookieMode parse(String text) {
    if (text != null) {
      for (CookieMode mode : values()) {
        if (mode.name().equalsIgnoreCase(text.trim())) {
          return mode;
        }
      }
    }
    throw new OptionException("cookie-mode", text, "siphash, hmac, haproxy or prefix");
  }

  /** The name used in configuration: {@code siphash}, {@code hmac}, {@code haproxy}, {@code prefix}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static byte[] message(byte[] prefix, Endpoint endpoint) {
    byte[] address = endpoint.address().getAddress();
    int p = prefix == null ? 0 : prefix.length;
    ByteBuffer buffer = ByteBuffer.allocate(p + address.length + 4);
    if (prefix != null) {
      buffer.put(prefix);
    }
    return buffer.put(address).putInt(endpoint.port()).array();
  }

  private static byte[] sha256(String key) {
    SHA256Digest digest = new SHA256Digest();
    byte[] in = key.getBytes(StandardCharsets.UTF_8);
    digest.update(in, 0, in.length);
    byte[] out = new byte[32];
    digest.doFinal(out, 0);
    return out;
  }
}
