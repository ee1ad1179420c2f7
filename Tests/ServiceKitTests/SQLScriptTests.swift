import Testing

@testable import ServiceKit

@Suite struct SQLScriptTests {
    @Test func splitsStatementsAtTopLevelSemicolons() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (id int);
            INSERT INTO a VALUES (1);
            """
        #expect(SQLScript.statements(in: script) == ["-- a comment; with a semicolon\nCREATE TABLE a (id int)", "INSERT INTO a VALUES (1)"])
    }

    @Test func keepsSemicolonsInsideQuotesAndIdentifiers() {
        let script = #"INSERT INTO t VALUES ('it''s; fine', "odd;name"); SELECT 1"#
        #expect(SQLScript.statements(in: script) == [#"INSERT INTO t VALUES ('it''s; fine', "odd;name")"#, "SELECT 1"])
    }

    @Test func keepsDollarQuotedFunctionBodiesWhole() {
        let script = """
            CREATE FUNCTION touch() RETURNS trigger AS $body$
            BEGIN NEW.updated_at = now(); RETURN NEW; END;
            $body$ LANGUAGE plpgsql;
            DO $$ BEGIN PERFORM 1; END $$;
            SELECT $1::int;
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 3)
        #expect(statements[0].hasSuffix("$body$ LANGUAGE plpgsql"))
        #expect(statements[1] == "DO $$ BEGIN PERFORM 1; END $$")
        #expect(statements[2] == "SELECT $1::int")
    }

    @Test func skipsBlockCommentsAndEmptyStatements() {
        let script = "/* header; /* nested; */ still comment */ SELECT 1;;\n-- trailing only\n"
        #expect(SQLScript.statements(in: script) == ["/* header; /* nested; */ still comment */ SELECT 1"])
    }
}
