import Controller
import Foundation
import Simulation
import Testing

@Suite("the live view: a fixed block redrawn in place, or plain lines")
struct LiveViewTests {
    static func progress() -> Simulation.Progress {
        var statistics = ControllerStatistics()
        statistics.messagesReceived = 212
        statistics.messagesDeleted = 180
        statistics.drains = 150
        statistics.heartbeats = 12
        statistics.lifecycleCompletions = 40
        var progress = Simulation.Progress(
            elapsed: .milliseconds(2400), cordoned: 250, workloadPodsLeft: 300, queueDepth: 120,
            statistics: statistics)
        progress.scenario = "spot-burst"
        progress.interrupted = 300
        progress.messagesSent = 300
        progress.workloadPods = 1800
        progress.drainsRunning = 10
        progress.liveJobs = 120
        progress.nearestDeadline = .init(
            node: "ip-10-0-1-3.ec2.internal", at: Date(timeIntervalSince1970: 0), slack: .milliseconds(117_600))
        progress.requests = ["cacheRead": 212, "watch": 4, "write": 600, "eviction": 1530, "discovery": 3]
        progress.refused = ["eviction": 30]
        progress.handedOver = true
        return progress
    }

    @Test("the block has its fixed height and shows every figure the issue asks for")
    func block() {
        let lines = LiveView.lines(Self.progress(), width: 200)
        #expect(lines.count == LiveView.lineCount)
        #expect(lines[0] == "simulate spot-burst   elapsed 2.4s")
        #expect(lines[1] == "messages   sent 300/300   received 212   deleted 180   in queue 120")
        #expect(lines[2] == "nodes      cordoned 250 of 300   drains running 10   drains done 150")
        #expect(lines[3] == "pods       evicted 1500   left 300 of 1800 on the interrupted nodes")
        #expect(lines[4] == "deadline   ip-10-0-1-3.ec2.internal in 1m 57.6s (slack)")
        #expect(
            lines[5]
                == "apiserver  cacheRead 212  watch 4  write 600  eviction 1530  consistentRead 0  discovery 3  "
                + "429s: eviction 30")
        #expect(lines[6] == "controller heartbeats 12   hooks completed 40   jobs live 120")
    }

    @Test("a missed deadline shows by how much; none pending when no live job has one")
    func deadlines() {
        var progress = Self.progress()
        progress.nearestDeadline?.slack = .milliseconds(-1500)
        #expect(LiveView.lines(progress)[4] == "deadline   ip-10-0-1-3.ec2.internal missed by 1.5s")
        progress.nearestDeadline = nil
        #expect(LiveView.lines(progress)[4] == "deadline   none pending")
    }

    @Test("the leader shows in a hand-over, and the election while nobody leads; nothing without one")
    func leader() {
        var progress = Self.progress()
        progress.leaderElection = true
        progress.leader = "replica-b"
        #expect(LiveView.lines(progress)[6].hasSuffix("leader replica-b"))
        progress.leader = nil
        #expect(LiveView.lines(progress)[6].hasSuffix("leader none (standing for election)"))
        progress.leaderElection = false
        #expect(!LiveView.lines(progress)[6].contains("leader"))
    }

    @Test("lines are cut below the terminal's width, so that none wraps and the redraw stays in place")
    func width() {
        let lines = LiveView.lines(Self.progress(), width: 40)
        #expect(lines.allSatisfy { $0.count < 40 })
        #expect(lines[5].hasSuffix("…"))
    }

    @Test("a redraw moves the cursor up over the previous block and clears each line it writes")
    func redraw() {
        let first = LiveView.redraw(["a", "b"], over: 0)
        #expect(first == "\r\u{1B}[2Ka\n\r\u{1B}[2Kb\n")
        let next = LiveView.redraw(["c", "d"], over: 2)
        #expect(next == "\u{1B}[2A\r\u{1B}[2Kc\n\r\u{1B}[2Kd\n")
    }

    @Test("the plain line carries the same figures on one line")
    func plainLine() {
        var progress = Self.progress()
        progress.leader = "replica-a"
        let line = LiveView.line(progress)
        #expect(!line.contains("\n") && !line.contains("\u{1B}"))
        for part in [
            "t=2.4s", "sent 300/300", "received 212", "deleted 180", "cordoned 250/300", "drains running 10",
            "pods evicted 1500 left 300", "ip-10-0-1-3.ec2.internal in 1m 57.6s", "eviction 1530", "429s: eviction 30",
            "leader replica-a",
        ] {
            #expect(line.contains(part), "\(part) missing from \(line)")
        }
    }
}
