package org.resumelb.proxy.route;

import org.resumelb.agent.classify.RequestView;

/** Requests as the router sees them, for the router's tests. */
final class Requests {

    private Requests() {
    }

    /** A {@code GET /} of {@code host} with the {@code Cookie} header {@code cookie} (null: none) and no other header. */
    static RequestView get(String host, String cookie) {
        return new RequestView() {
            public String method() {
                return "GET";
            }

            public String host() {
                return host;
            }

            public String path() {
                return "/";
            }

            public String query() {
                return null;
            }

            public String header(String name) {
                return name.equalsIgnoreCase("Cookie") ? cookie : null;
            }
        };
    }
}
