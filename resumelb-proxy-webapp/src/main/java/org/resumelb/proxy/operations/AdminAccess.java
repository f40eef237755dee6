package org.resumelb.proxy.operations;

import org.resumelb.agent.net.AddressList;

/**
 * Who may use an operations endpoint: the loopback addresses always, plus the
 * addresses and CIDR blocks of a setting ({@code adminAllow}, {@code statusAllow}:
 * {@code 10.0.0.0/8, 192.0.2.7, 2001:db8::/32}), or everyone with {@code *}.
 * The loopback exemption is {@link #allows}; {@link #lists} is the setting
 * alone, for a request whose address came through forwarding headers (see
 * {@link Operations}). Immutable and thread-safe.
 */
public final class AdminAccess {

    /** Loopback only. */
    public static final AdminAccess LOOPBACK = new AdminAccess(AddressList.NONE);

    private final AddressList allowed;

    private AdminAccess(AddressList allowed) {
        this.allowed = allowed;
    }

    /**
     * Parses {@code adminAllow} or {@code statusAllow}.
     *
     * @throws IllegalArgumentException naming the entry that is not an IP address, a CIDR block or *
     */
    public static AdminAccess parse(String spec) {
        AddressList list = AddressList.parse(spec);
        return list.isEmpty() ? LOOPBACK : new AdminAccess(list);
    }

    /** Whether a request from this remote address (a literal, as the servlet API gives it) may pass. */
    public boolean allows(String remoteAddress) {
        if (allowed.everyone()) {
            return true;
        }
        java.net.InetAddress address = AddressList.address(remoteAddress);
        return AddressList.isLoopback(address) || allowed.contains(address);
    }

    /** Whether the setting itself lists this address (or is {@code *}): no loopback exemption. */
    public boolean lists(String address) {
        return !allowed.isEmpty() && allowed.contains(address);
    }

    @Override
    public String toString() {
        return allowed.isEmpty() ? "loopback only" : "loopback and " + allowed;
    }
}
