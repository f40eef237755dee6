package org.resumelb.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.resumelb.proxy.pool.RouteId;

/** The session cookie's route suffix: written on Set-Cookie, read and removed on Cookie, everything else untouched. */
class StickyCookieTest {

    static final StickyCookie JSESSIONID = StickyCookie.parse("cookie:JSESSIONID");
    static final String ROUTE = RouteId.of("http://10.0.0.5:8080/app");
    static final String OTHER_ROUTE = RouteId.of("http://10.0.0.6:8080/app");

    @Test
    void theSettingIsCookieColonAToken() {
        assertNull(StickyCookie.parse(""), "unset: off");
        assertNull(StickyCookie.parse("  "));
        assertEquals("JSESSIONID", JSESSIONID.name());
        assertEquals("SESSION", StickyCookie.parse(" cookie:SESSION ").name());
        assertEquals("cookie:JSESSIONID", JSESSIONID.toString());
        assertEquals("not cookie:<name>", assertThrows(IllegalArgumentException.class, () -> StickyCookie.parse("JSESSIONID")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> StickyCookie.parse("header:JSESSIONID"));
        assertEquals("the cookie name is empty", assertThrows(IllegalArgumentException.class, () -> StickyCookie.parse("cookie:")).getMessage());
        for (String bad : List.of("a b", "a;b", "a=b", "a,b", "\"a\"", "a/b", "séance", "a\tb", "a\u0001b")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StickyCookie.parse("cookie:" + bad), bad);
            assertTrue(e.getMessage().contains("is not a cookie name"), e.getMessage());
        }
    }

    @Test
    void theSessionCookieGetsTheRouteAndKeepsEveryAttribute() {
        assertEquals("JSESSIONID=abc123." + ROUTE, JSESSIONID.setCookie("JSESSIONID=abc123", ROUTE));
        assertEquals("JSESSIONID=abc123." + ROUTE + "; Path=/; Expires=Thu, 01 Jan 2037 00:00:00 GMT; Max-Age=3600; Secure; HttpOnly; SameSite=Lax",
                JSESSIONID.setCookie("JSESSIONID=abc123; Path=/; Expires=Thu, 01 Jan 2037 00:00:00 GMT; Max-Age=3600; Secure; HttpOnly; SameSite=Lax",
                        ROUTE));
        assertEquals("JSESSIONID=\"abc123." + ROUTE + "\"; Path=/", JSESSIONID.setCookie("JSESSIONID=\"abc123\"; Path=/", ROUTE),
                "the route goes inside the quotes");
        assertEquals("JSESSIONID=node0x1y2.node0." + ROUTE + ";Path=/", JSESSIONID.setCookie("JSESSIONID=node0x1y2.node0;Path=/", ROUTE),
                "a value with dots (Jetty's) keeps them");
        assertEquals(" JSESSIONID = abc." + ROUTE + " ; Path=/", JSESSIONID.setCookie(" JSESSIONID = abc ; Path=/", ROUTE));
    }

    @Test
    void otherCookiesAndDeletionsAreLeftAsTheWorkerWroteThem() {
        for (String untouched : List.of("JSESSIONID=; Path=/; Max-Age=0", "JSESSIONID=\"\"; Path=/", "JSESSIONID", "theme=dark; Path=/",
                "JSESSIONID2=abc", "jsessionid=abc", "XJSESSIONID=abc", "")) {
            assertSame(untouched, JSESSIONID.setCookie(untouched, ROUTE), untouched);
        }
        assertNull(JSESSIONID.setCookie(null, ROUTE));
    }

    @Test
    void theRouteIsReadFromTheSessionCookieAmongOthers() {
        assertEquals(ROUTE, JSESSIONID.route("JSESSIONID=abc." + ROUTE));
        assertEquals(ROUTE, JSESSIONID.route("theme=dark; JSESSIONID=abc." + ROUTE + "; lang=en"));
        assertEquals(ROUTE, JSESSIONID.route("theme=dark;JSESSIONID=\"abc." + ROUTE + "\""), "quoted");
        assertEquals(ROUTE, JSESSIONID.route("JSESSIONID=node0x1y2.node0." + ROUTE), "a value with dots: the last one");
        assertEquals(ROUTE, JSESSIONID.route("JSESSIONID=stale; JSESSIONID=abc." + ROUTE + "; JSESSIONID=def." + OTHER_ROUTE),
                "the first cookie of the name that has a route");
        assertEquals(ROUTE, JSESSIONID.route("xJSESSIONID=a." + OTHER_ROUTE + "; JSESSIONID=b." + ROUTE), "names match exactly");
    }

    @Test
    void noSessionCookieOrNoWellFormedRouteMeansNoRoute() {
        String almost = ROUTE.substring(0, RouteId.LENGTH - 1);
        for (String header : List.of("", "theme=dark", "JSESSIONID=abc", "JSESSIONID=abc.node0", "JSESSIONID=." + ROUTE,
                "JSESSIONID=" + ROUTE, "JSESSIONID=abc." + almost, "JSESSIONID=abc." + ROUTE + "x", "JSESSIONID=abc." + almost + "!",
                "JSESSIONID=abc." + almost + "B", "jsessionid=abc." + ROUTE, "JSESSIONIDX=abc." + ROUTE, "JSESSIONID=abc/" + ROUTE,
                "JSESSIONID")) {
            assertNull(JSESSIONID.route(header), header);
            assertSame(header, JSESSIONID.strip(header), header);
        }
        assertNull(JSESSIONID.route(null));
        assertNull(JSESSIONID.strip(null));
    }

    @Test
    void theWorkerSeesItsOwnSessionIdAndEveryOtherCookieAsSent() {
        assertEquals("JSESSIONID=abc", JSESSIONID.strip("JSESSIONID=abc." + ROUTE));
        assertEquals("theme=dark;  JSESSIONID=node0x1.node0 ; lang=\"en.x\"",
                JSESSIONID.strip("theme=dark;  JSESSIONID=node0x1.node0." + ROUTE + " ; lang=\"en.x\""));
        assertEquals("JSESSIONID=\"abc\"", JSESSIONID.strip("JSESSIONID=\"abc." + ROUTE + "\""));
        assertEquals("JSESSIONID=a; other=b." + ROUTE + "; JSESSIONID=c",
                JSESSIONID.strip("JSESSIONID=a." + OTHER_ROUTE + "; other=b." + ROUTE + "; JSESSIONID=c." + ROUTE),
                "every session cookie loses its route; another cookie's look-alike suffix stays");
        assertEquals("JSESSIONID=abc.garbage", JSESSIONID.strip("JSESSIONID=abc.garbage"), "a client's garbage suffix goes on as sent");
    }

    @Test
    void aCookieSetThroughTheProxyComesBackToItsRouteAndItsOwnValue() {
        for (String value : List.of("abc", "node0q8xs1.node0", "\"quoted.v\"", "a.b.c.d", "x")) {
            String set = JSESSIONID.setCookie("JSESSIONID=" + value + "; Path=/", ROUTE);
            String sent = set.substring(0, set.indexOf(';')); // what a browser sends back
            assertEquals(ROUTE, JSESSIONID.route("a=1; " + sent), value);
            assertEquals("a=1; JSESSIONID=" + value, JSESSIONID.strip("a=1; " + sent), value);
        }
    }
}
