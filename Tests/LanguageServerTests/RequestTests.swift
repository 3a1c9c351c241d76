import Foundation
import RuleLanguage
import Testing
@testable import LanguageServer

/// Completion, hover, definition and formatting on a small rules directory.
struct RequestTests {
    static let segments = """
        segment regular = orders in last 365 days >= 3   # buys often

        journey "onboarding" {
          enter when orders = 1
          step "thanks" { send email "welcome" }
        }

        """
    static let rule = """
        rule "winback" {
          when regular and days since last purchase > 90
          send email "win"
          limit once   # a comment "send email
        }
        rule "again" { when received "" in last 30 days  send  }

        """

    static func client() throws -> TestClient {
        let client = try TestClient(files: ["a.rules": segments], emailTemplates: ["welcome", "winback-coupon"])
        try client.initialize()
        client.open("b.rules", rule)
        return client
    }

    static func labels(_ result: Any?) -> [String: [String: Any]] {
        let items = (result as? [String: Any])?["items"] as? [[String: Any]] ?? []
        return Dictionary(items.map { ($0["label"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func completesFactsSegmentsChannelsAndKeywords() throws {
        let client = try Self.client()
        let items = Self.labels(try client.result("textDocument/completion", client.at("b.rules", 1, 7)))
        for fact in FactCatalog.all {
            #expect(items[fact.phrase]?["detail"] as? String == HoverProvider.typeName(fact.type), "\(fact.phrase)")
        }
        #expect(items["orders"]?["detail"] as? String == "number")
        #expect(items["spent"]?["detail"] as? String == "money")
        #expect(items["regular"]?["detail"] as? String == "segment")
        // `email` is both a fact (the address) and a channel.
        let all = (try client.result("textDocument/completion", client.at("b.rules", 1, 7)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        #expect(all.contains { $0["label"] as? String == "email" && $0["detail"] as? String == "channel" })
        #expect(items["webhook"]?["detail"] as? String == "channel")
        #expect(items["when"]?["detail"] as? String == "keyword")
        #expect(items["entered"] != nil)
    }

    @Test func completesTemplatesThatExistInsideSend() throws {
        let client = try Self.client()
        // Inside `send email "win|"`.
        let items = Self.labels(try client.result("textDocument/completion", client.at("b.rules", 2, 17)))
        #expect(Set(items.keys) == ["welcome", "winback-coupon"])
        let edit = items["winback-coupon"]?["textEdit"] as? [String: Any]
        #expect(rangeNumbers(edit?["range"]) == [2, 14, 2, 17])
        #expect(edit?["newText"] as? String == "winback-coupon")
    }

    @Test func completesRuleAndStepNamesInsideReceived() throws {
        let client = try Self.client()
        let items = Self.labels(try client.result("textDocument/completion", client.at("b.rules", 5, 30)))
        #expect(Set(items.keys) == ["winback", "again", "onboarding/thanks"])
        #expect(items["onboarding/thanks"]?["detail"] as? String == "journey step")
    }

    @Test func completesChannelsAfterSendAndNothingInComments() throws {
        let client = try Self.client()
        let channels = Self.labels(try client.result("textDocument/completion", client.at("b.rules", 5, 54)))
        #expect(Set(channels.keys) == ["email", "letter", "webhook"])
        let comment = Self.labels(try client.result("textDocument/completion", client.at("b.rules", 3, 30)))
        #expect(comment.isEmpty)
    }

    @Test func hoverShowsFactMeaningAndTypeFromTheCatalog() throws {
        let client = try Self.client()
        let hover = try #require(try client.result("textDocument/hover", client.at("b.rules", 1, 25)) as? [String: Any])
        let text = (hover["contents"] as? [String: Any])?["value"] as? String ?? ""
        let fact = try #require(FactCatalog.definition(for: "days since last purchase"))
        #expect(text.contains(fact.meaning))
        #expect(text.contains("`days since last purchase` — number"))
        #expect(rangeNumbers(hover["range"]) == [1, 19, 1, 43])
    }

    @Test func hoverShowsASegmentsDefinition() throws {
        let client = try Self.client()
        let hover = try #require(try client.result("textDocument/hover", client.at("b.rules", 1, 9)) as? [String: Any])
        let text = (hover["contents"] as? [String: Any])?["value"] as? String ?? ""
        #expect(text.contains("segment regular = orders in last 365 days >= 3\n"))
        #expect(text.contains("a.rules:1:9"))
        #expect(try client.result("textDocument/hover", client.at("b.rules", 0, 2)) == nil)
    }

    @Test func definitionOfASegmentIsInItsFile() throws {
        let client = try Self.client()
        let location = try #require(try client.result("textDocument/definition", client.at("b.rules", 1, 8)) as? [String: Any])
        #expect(location["uri"] as? String == client.uri("a.rules"))
        #expect(rangeNumbers(location["range"]) == [0, 8, 0, 15])
        #expect(try client.result("textDocument/definition", client.at("b.rules", 1, 30)) == nil)
    }

    @Test func formattingGoesThroughTheFormatter() throws {
        let client = try Self.client()
        let untidy = "rule \"tidy\" {\n    limit once\n  when orders=1   # first order\nsend email \"welcome\"\n}\n"
        client.open("c.rules", untidy)
        let edits = try #require(
            try client.result("textDocument/formatting", [
                "textDocument": ["uri": client.uri("c.rules")], "options": ["tabSize": 2, "insertSpaces": true],
            ]) as? [[String: Any]])
        // One edit replacing the whole text with what `campaignd fmt` writes.
        #expect(edits.count == 1)
        let edit = try #require(edits.first)
        #expect(rangeNumbers(edit["range"]) == [0, 0, 5, 0])
        let text = try #require(edit["newText"] as? String)
        #expect(text == (try RuleFormatter.format(untidy, fileName: "c.rules")))
        #expect(text != untidy)
        // Applying it and formatting again changes nothing (the formatter is idempotent).
        client.change("c.rules", text)
        let again = try client.result("textDocument/formatting", ["textDocument": ["uri": client.uri("c.rules")], "options": [:] as [String: Any]])
        #expect((again as? [Any])?.isEmpty == true)
    }

    @Test func formattingAFileWithSyntaxErrorsIsAnErrorReply() throws {
        let client = try Self.client()
        // b.rules ends with `send  }`: the formatter refuses it, the server answers an error and reads on.
        let reply = try client.request("textDocument/formatting", ["textDocument": ["uri": client.uri("b.rules")], "options": [:] as [String: Any]])
        #expect(reply["error"] != nil)
        #expect(try client.result("textDocument/hover", client.at("b.rules", 1, 8)) != nil)
    }
}
