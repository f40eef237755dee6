package org.resumelb.agent.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A list of IP addresses and CIDR blocks ({@code 10.0.0.0/8, 192.0.2.7,
 * 2001:db8::/32}), or {@code *} for every address: the one way ResumeLB
 * writes who is trusted at a boundary (operators, upstream proxies, workers,
 * load balancers). Entries are literal IPs only, so a check is never a DNS
 * lookup. An IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}) matches as
 * its IPv4 address. Immutable and thread-safe.
 */
public final class AddressList {

    /** No address at all. */
    public static final AddressList NONE = new AddressList(List.of(), false, "");

    private final List<Block> blocks;
    private final boolean everyone;
    private final String spec;

    private record Block(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private AddressList(List<Block> blocks, boolean everyone, String spec) {
        this.blocks = List.copyOf(blocks);
        this.everyone = everyone;
        this.spec = spec;
    }

    /**
     * Parses a comma- or space-separated list; blank is {@link #NONE}.
     *
     * @throws IllegalArgumentException naming the entry that is not an IP address, a CIDR block or *
     */
    public static AddressList parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        List<Block> blocks = new ArrayList<>();
        boolean everyone = false;
        for (String raw : spec.split("[,\\s]+")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equals("*")) {
                everyone = true;
                continue;
            }
            int slash = entry.indexOf('/');
            String host = slash < 0 ? entry : entry.substring(0, slash);
            byte[] address = literal(host, entry);
            int prefix = address.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > address.length * 8) {
                    throw new IllegalArgumentException("'" + entry + "' has a bad prefix length");
                }
            }
            blocks.add(new Block(address, prefix));
        }
        return new AddressList(blocks, everyone, spec.trim());
    }

    /** This list plus the given addresses (e.g. those a host name resolved to at start). */
    public AddressList plus(List<InetAddress> addresses) {
        List<Block> more = new ArrayList<>(blocks);
        StringBuilder s = new StringBuilder(spec);
        for (InetAddress a : addresses) {
            more.add(new Block(a.getAddress(), a.getAddress().length * 8));
            s.append(s.length() == 0 ? "" : ", ").append(a.getHostAddress());
        }
        return new AddressList(more, everyone, s.toString());
    }

    private static byte[] literal(String host, String entry) {
        // InetAddress.getByName does no lookup for a literal; anything that is not one is refused first.
        if (!host.matches("[0-9.]+") && !(host.contains(":") && host.matches("[0-9A-Fa-f:.]+"))) {
            throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block (host names are not accepted)");
        }
        try {
            return InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block");
        }
    }

    /**
     * The address of a literal as the servlet API gives it ({@code 10.0.0.1},
     * {@code [::1]}, {@code fe80::1%eth0}), or null when it is not a literal IP.
     */
    public static InetAddress address(String remoteAddress) {
        if (remoteAddress == null || remoteAddress.isEmpty()) {
            return null;
        }
        String host = remoteAddress.startsWith("[") && remoteAddress.endsWith("]")
                ? remoteAddress.substring(1, remoteAddress.length() - 1) : remoteAddress;
        int zone = host.indexOf('%');
        if (zone >= 0) {
            host = host.substring(0, zone);
        }
        try {
            return InetAddress.getByAddress(literal(host, host));
        } catch (IllegalArgumentException | UnknownHostException e) {
            return null;
        }
    }

    /** Whether the address is loopback (127.0.0.0/8, ::1, or IPv4-mapped loopback). */
    public static boolean isLoopback(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        return address.isLoopbackAddress() || (a.length == 16 && isV4Mapped(a) && (a[12] & 0xff) == 127);
    }

    /** Whether the list holds this address (a literal, as the servlet API gives it). */
    public boolean contains(String remoteAddress) {
        if (everyone) {
            return true;
        }
        return contains(address(remoteAddress));
    }

    public boolean contains(InetAddress address) {
        if (everyone) {
            return true;
        }
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        if (a.length == 16 && isV4Mapped(a) && matches(Arrays.copyOfRange(a, 12, 16))) {
            return true;
        }
        return matches(a);
    }

    /** Whether the list is {@code *}. */
    public boolean everyone() {
        return everyone;
    }

    public boolean isEmpty() {
        return !everyone && blocks.isEmpty();
    }

    private boolean matches(byte[] address) {
        for (Block b : blocks) {
            if (b.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
    }

    /** The list as written (possibly with resolved addresses appended). */
    @Override
    public String toString() {
        return spec;
    }
}
