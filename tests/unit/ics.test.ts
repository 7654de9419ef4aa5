import { describe, expect, it } from "vitest";
import { buildCalendar, escapeText, foldLine, formatUtcStamp } from "~/domain/ics";

const now = new Date(Date.UTC(2026, 10, 25, 12, 0, 0));
const octets = (s: string) => Buffer.byteLength(s, "utf8");
const unfold = (s: string) => s.replace(/\r\n /g, "");

describe("buildCalendar", () => {
  it("writes a calendar with the required properties and an all-day event", () => {
    const text = buildCalendar({
      name: "Baseline reports",
      now,
      events: [
        {
          uid: "obligation-42@baseline",
          date: "2027-01-30",
          summary: "BSIR due: 2023-SS-00001",
          description: "Jul 1 to Dec 31 2026",
          url: "https://baseline.example/awards/7",
        },
      ],
    });
    expect(text).toBe(
      [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Baseline//Grant reporting calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Baseline reports",
        "BEGIN:VEVENT",
        "UID:obligation-42@baseline",
        "DTSTAMP:20261125T120000Z",
        "DTSTART;VALUE=DATE:20270130",
        "DTEND;VALUE=DATE:20270131",
        "SUMMARY:BSIR due: 2023-SS-00001",
        "DESCRIPTION:Jul 1 to Dec 31 2026",
        "URL:https://baseline.example/awards/7",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
      ].join("\r\n"),
    );
  });

  it("uses CRLF for every line break, including the last", () => {
    const text = buildCalendar({
      name: "x",
      now,
      events: [{ uid: "a", date: "2025-04-30", summary: "Line one\nline two", description: "y".repeat(300) }],
    });
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
  });

  it("ends an all-day event on the next day, across year ends and leap days", () => {
    const text = buildCalendar({
      name: "x",
      now,
      events: [
        { uid: "a", date: "2026-12-31", summary: "A" },
        { uid: "b", date: "2024-02-28", summary: "B" },
      ],
    });
    expect(text).toContain("DTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270101\r\n");
    expect(text).toContain("DTSTART;VALUE=DATE:20240228\r\nDTEND;VALUE=DATE:20240229\r\n");
    expect(text.match(/BEGIN:VEVENT/g)).toHaveLength(2);
  });

  it("leaves out DESCRIPTION and URL when not given", () => {
    const text = buildCalendar({ name: "x", now, events: [{ uid: "a", date: "2025-04-30", summary: "A" }] });
    expect(text).not.toContain("DESCRIPTION");
    expect(text).not.toContain("URL:");
  });

  it("writes an empty calendar when there are no events", () => {
    const text = buildCalendar({ name: "Nothing due", now, events: [] });
    expect(text).toContain("X-WR-CALNAME:Nothing due\r\nEND:VCALENDAR\r\n");
    expect(text).not.toContain("VEVENT");
  });

  it("escapes TEXT values in the name, summary and description", () => {
    const text = buildCalendar({
      name: "Reports; DHS, DOJ",
      now,
      events: [{ uid: "a", date: "2025-04-30", summary: "SF-425; Q1, FY2025", description: "C:\\grants\nsecond line" }],
    });
    expect(text).toContain("X-WR-CALNAME:Reports\\; DHS\\, DOJ\r\n");
    expect(text).toContain("SUMMARY:SF-425\\; Q1\\, FY2025\r\n");
    expect(text).toContain("DESCRIPTION:C:\\\\grants\\nsecond line\r\n");
  });

  it("keeps a URL from injecting extra properties", () => {
    const text = buildCalendar({
      name: "x",
      now,
      events: [{ uid: "a", date: "2025-04-30", summary: "A", url: "https://e.example/a\r\nATTACH:evil" }],
    });
    expect(text).toContain("URL:https://e.example/aATTACH:evil\r\n");
    expect(text).not.toContain("\r\nATTACH");
  });

  it("folds long lines at 75 octets without breaking multi-byte characters", () => {
    const description = "Équipement — radios 📻 pour le centre, " + "données ".repeat(20);
    const text = buildCalendar({ name: "x", now, events: [{ uid: "a", date: "2025-04-30", summary: "A", description }] });
    const lines = text.split("\r\n");
    for (const line of lines) {
      expect(octets(line)).toBeLessThanOrEqual(75);
      // A split inside a character would leave a lone surrogate or change the UTF-8 round trip.
      expect(Buffer.from(line, "utf8").toString("utf8")).toBe(line);
    }
    expect(lines.filter((l) => l.startsWith(" ")).length).toBeGreaterThan(1);
    expect(unfold(text)).toContain(`DESCRIPTION:${escapeText(description)}\r\n`);
  });

  it("refuses an event date that is not YYYY-MM-DD", () => {
    for (const date of ["2025-02-29", "04/30/2025", "2025-4-30", ""]) {
      expect(() => buildCalendar({ name: "x", now, events: [{ uid: "a", date, summary: "A" }] })).toThrow(RangeError);
    }
  });
});

describe("foldLine", () => {
  it("leaves a 75-octet line alone and folds a 76-octet one", () => {
    const at75 = "SUMMARY:" + "a".repeat(67);
    expect(octets(at75)).toBe(75);
    expect(foldLine(at75)).toBe(at75);
    const at76 = at75 + "b";
    expect(foldLine(at76)).toBe(at75 + "\r\n b");
  });

  it("fills continuation lines to 74 octets after the leading space", () => {
    const line = "x".repeat(75 + 74 + 5);
    expect(foldLine(line).split("\r\n")).toEqual(["x".repeat(75), " " + "x".repeat(74), " " + "x".repeat(5)]);
  });

  it("moves a 2-byte character that would straddle octet 75 to the next line", () => {
    // "DESCRIPTION:" is 12 octets; 31 × "é" brings it to 74, a 32nd would make 76.
    const folded = foldLine("DESCRIPTION:" + "é".repeat(40)).split("\r\n");
    expect(folded).toEqual(["DESCRIPTION:" + "é".repeat(31), " " + "é".repeat(9)]);
    expect(octets(folded[0])).toBe(74);
  });

  it("keeps a 4-byte emoji whole", () => {
    // 72 ASCII octets + a 4-byte emoji would be 76: the emoji goes to the next line.
    const folded = foldLine("a".repeat(72) + "📅" + "b").split("\r\n");
    expect(folded).toEqual(["a".repeat(72), " 📅b"]);
  });
});

describe("escapeText and formatUtcStamp", () => {
  it("escapes backslash first so escapes are not doubled, and turns any newline into \\n", () => {
    expect(escapeText("a\\;b")).toBe("a\\\\\\;b");
    expect(escapeText("one\r\ntwo\rthree\nfour")).toBe("one\\ntwo\\nthree\\nfour");
    expect(escapeText("tab\there\u0007")).toBe("tab\there");
    expect(escapeText('quotes "and" colons: stay')).toBe('quotes "and" colons: stay');
  });
  it("formats a UTC stamp in basic format, dropping milliseconds", () => {
    expect(formatUtcStamp(new Date(Date.UTC(2026, 10, 25, 12, 0, 0, 999)))).toBe("20261125T120000Z");
    expect(formatUtcStamp(new Date(Date.UTC(2024, 1, 29, 23, 59, 58)))).toBe("20240229T235958Z");
  });
});
