package io.lbkit.servlet;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.InterruptedByTimeoutException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads from a server channel during a tunnel's handshake, each bounded by {@code timeout-server}:
 * the response head without blocking ({@link #fillLater} until {@link #headBuffered}), then parsed
 * from the buffer; the body of an answer other than 101 with blocking reads. What was read past the
 * head stays in the buffer for the tunnel ({@link #takeBuffered()}).
 */
final class ChannelInput extends InputStream {
  private static final int MAX_HEAD = 64 * 1024;

  private final AsynchronousSocketChannel channel;
  private final long timeoutMillis;
  private ByteBuffer buffer = ByteBuffer.allocate(8 * 1024); // grows up to MAX_HEAD for a long head
  private long received;

  ChannelInput(AsynchronousSocketChannel channel, long timeoutMillis) {
    this.channel = channel;
    this.timeoutMillis = timeoutMillis;
    buffer.flip(); // empty, ready to read from
  }

  /** Bytes received from the server so far. */
  long received() {
    return received;
  }

  /** Compacts the buffer for a read, growing it while a head does not fit; false when it cannot grow. */
  private boolean makeRoom() {
    buffer.compact();
    if (!buffer.hasRemaining()) {
      if (buffer.capacity() >= MAX_HEAD) {
        buffer.flip();
        return false;
      }
      ByteBuffer bigger = ByteBuffer.allocate(buffer.capacity() * 2);
      buffer = bigger.put(buffer.flip());
    }
    return true;
  }

  /** True when the buffer holds a whole response head, up to its empty line. */
  boolean headBuffered() {
    for (int i = buffer.position(), end = buffer.limit(); i < end - 1; i++) {
      if (buffer.get(i) == '\n' && (buffer.get(i + 1) == '\n'
          || (buffer.get(i + 1) == '\r' && i + 2 < end && buffer.get(i + 2) == '\n'))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads more without blocking, within {@code timeout-server}: {@code done} gets true when bytes
   * came, false at the end of the stream, or the failure (a {@link SocketTimeoutException} when the
   * server was silent, a {@link BadResponseException} when a head outgrows 64 KiB).
   */
  void fillLater(CompletionHandler<Boolean, Void> done) {
    if (!makeRoom()) {
      done.failed(new BadResponseException("response head longer than " + MAX_HEAD + " bytes"), null);
      return;
    }
    channel.read(buffer, timeoutMillis, TimeUnit.MILLISECONDS, null, new CompletionHandler<Integer, Void>() {
      @Override
      public void completed(Integer n, Void nothing) {
        buffer.flip();
        if (n > 0) {
          received += n;
        }
        done.completed(n >= 0, null);
      }

      @Override
      public void failed(Throwable t, Void nothing) {
        buffer.flip();
        done.failed(t instanceof InterruptedByTimeoutException
            ? new SocketTimeoutException("no byte from the server within timeout-server (" + timeoutMillis + " ms)")
            : t, null);
      }
    });
  }

  private boolean fill() throws IOException {
    if (!makeRoom()) {
      throw new BadResponseException("response head longer than " + MAX_HEAD + " bytes");
    }
    try {
      int n = channel.read(buffer).get(timeoutMillis, TimeUnit.MILLISECONDS);
      if (n > 0) {
        received += n;
      }
      return n >= 0;
    } catch (TimeoutException e) {
      throw new SocketTimeoutException("no byte from the server within timeout-server (" + timeoutMillis + " ms)");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException ? (IOException) e.getCause() : new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    } finally {
      buffer.flip();
    }
  }

  @Override
  public int read() throws IOException {
    if (!buffer.hasRemaining() && !fill()) {
      return -1;
    }
    return buffer.hasRemaining() ? buffer.get() & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!buffer.hasRemaining() && !fill()) {
      return -1;
    }
    int n = Math.min(len, buffer.remaining());
    buffer.get(b, off, n);
    return n;
  }

  /** One line without its CRLF (or LF), ISO-8859-1; an error at the end of stream or past 64 KiB. */
  String line() throws IOException {
    StringBuilder sb = new StringBuilder(64);
    while (true) {
      int c = read();
      if (c < 0) {
        throw new EOFException("connection closed by the server");
      }
      if (c == '\n') {
        int end = sb.length();
        return end > 0 && sb.charAt(end - 1) == '\r' ? sb.substring(0, end - 1) : sb.toString();
      }
      if (sb.length() >= MAX_HEAD) {
        throw new BadResponseException("response head line longer than " + MAX_HEAD + " bytes");
      }
      sb.append((char) c);
    }
  }

  /** The bytes read from the server but not consumed yet (the tunnel's first ones), possibly empty. */
  ByteBuffer takeBuffered() {
    ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
    copy.put(buffer).flip();
    return copy;
  }

  /** The server's answer is not HTTP/1.x. */
  static final class BadResponseException extends IOException {
    private static final long serialVersionUID = 1L;

    BadResponseException(String message) {
      super(message);
    }
  }
}
