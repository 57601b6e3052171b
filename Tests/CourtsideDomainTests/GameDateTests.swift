import CourtsideDomain
import Foundation
import Testing

/// The US Eastern game date, and the clock in milliseconds.
@Suite struct GameDateTests {
    @Test func easternDates() {
        // 7 pm EST on January 8 is midnight UTC on the 9th.
        #expect(GameDate.of(utcMillis: 1_704_758_400_000) == "2024-01-08")
        // 10 pm EDT on April 16 (daylight time: UTC-4) is 02:00 UTC on the 17th.
        #expect(GameDate.of(utcMillis: 1_744_855_200_000) == "2025-04-16")
        // 03:59 UTC on 2025-03-09 is 22:59 EST on the 8th; 04:00 UTC on 2025-11-02 is midnight EDT.
        #expect(GameDate.of(utcMillis: 1_741_492_740_000) == "2025-03-08")
        #expect(GameDate.of(utcMillis: 1_762_056_000_000) == "2025-11-02")
        #expect(GameDate.isCalendarDate("2024-02-29") && !GameDate.isCalendarDate("2023-02-29"))
        // 01:13 UTC on 2026-11-24 is 20:13 EST on the 23rd: that evening's games are still "today's".
        #expect(GameDate.of(utcMillis: 1_795_482_780_000) == "2026-11-23")
        for text in ["2024-2-29", "2024-02-30", "2024-00-10", "20240229xx", "2024/02/29", "", "２０２４-02-29"] {
            #expect(!GameDate.isCalendarDate(text), "\(text)")
        }
    }

    @Test func todayIsTheGameDateOfNow() {
        let before = GameDate.of(utcMillis: UnixTime.nowMs())
        let today = GameDate.today()
        let after = GameDate.of(utcMillis: UnixTime.nowMs())
        #expect(GameDate.isCalendarDate(today))
        #expect([before, after].contains(today))
    }

    @Test func millisecondsRoundDownAndConvertBack() {
        #expect(UnixTime.milliseconds(UnixTime.date(ms: 1_704_758_400_125)) == 1_704_758_400_125)
        #expect(UnixTime.milliseconds(UnixTime.date(ms: 0)) == 0)
        #expect(UnixTime.milliseconds(UnixTime.date(ms: -1500)) == -1500)
        // Far beyond 64 bits of milliseconds: clamped, not a crash.
        #expect(UnixTime.milliseconds(.distantFuture) > 0)
        #expect(UnixTime.milliseconds(UnixTime.date(ms: .max)) == .max)
        let now = UnixTime.nowMs()
        #expect(now > 1_704_758_400_000 && GameDate.isCalendarDate(GameDate.of(utcMillis: now)))
    }
}
