package org.resumelb.proxy.route;

import java.nio.charset.StandardCharsets;

/**
 * The short pages a client gets when the load balancer answers for a worker
 * (502, 503, 504), or for itself (429: too many of the client's requests wait): plain HTML that says what happened and what to do, with
 * no detail of the inside. Immutable.
 */
public record ErrorPage(int status, String title, byte[] html) {

    /** Seconds a client is asked to wait after a 503 or a 429. */
    public static final int RETRY_AFTER_SECONDS = 5;

    public static ErrorPage of(int status) {
        String reason = switch (status) {
            case 429 -> "Too Many Requests";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
        String text = switch (status) {
            case 429 -> "Too many of your requests are waiting for a server already. Please try again in a few seconds.";
            case 502 -> "The server that was handling your request went away before it answered. Please try again.";
            case 503 -> "No server is available to handle your request right now. Please try again in a few seconds.";
            case 504 -> "The server handling your request did not answer in time. Please try again.";
            default -> "Please try again.";
        };
        String title = status + " " + reason;
        byte[] html = ("<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" + title
                + "</h1><p>" + text + "</p></body></html>\n").getBytes(StandardCharsets.UTF_8);
        return new ErrorPage(status, title, html);
    }
}
