import { describe, expect, it } from "vitest"

import { csvCell, csvFileName, csvHeader, csvRow } from "./csv"
import { sumUsd, toCents, usdText } from "./money"

describe("usage CSV", () => {
  it("names the timezone in the header row and the file name", () => {
    expect(csvHeader("Asia/Kolkata")[0]).toBe("date (Asia/Kolkata)")
    expect(
      csvFileName(
        { from: "2026-11-01", to: "2026-11-30", days: 30 },
        "America/St_Johns"
      )
    ).toBe("usage-2026-11-01-to-2026-11-30-America_St_Johns.csv")
  })

  it("quotes cells and defuses spreadsheet formulas", () => {
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"')
    expect(csvCell("=HYPERLINK()")).toBe("'=HYPERLINK()")
    expect(csvCell(null)).toBe("")
    expect(csvCell(12)).toBe("12")
  })

  it("writes costs as the database's exact decimals", () => {
    const line = csvRow(
      {
        day: "2026-11-02",
        model: "gpt-oss-20b",
        device_id: "00000000-0000-4000-b000-000000000001",
        project_id: null,
        message_count: 3,
        input_tokens: 10,
        output_tokens: 20,
        cached_tokens: 1,
        cost_usd: "0.00012345",
        local_cost_usd: "0.00000000",
        cloud_equivalent_usd: "1.10000001",
      },
      {
        devices: new Map([
          ["00000000-0000-4000-b000-000000000001", "Studio Mac"],
        ]),
        projects: new Map(),
      }
    )
    expect(line).toBe(
      "2026-11-02,gpt-oss-20b,00000000-0000-4000-b000-000000000001,Studio Mac,,,3,10,20,1,0.00012345,0.00000000,1.10000001\r\n"
    )
  })
})

describe("money to the cent", () => {
  it("sums in 1e-8 units without float drift", () => {
    const values = Array.from({ length: 1000 }, () => "0.00100001")
    expect(sumUsd(values)).toBe(1.00001)
    expect(toCents(0.125)).toBe(13)
    expect(toCents(-0.125)).toBe(-13)
    expect(usdText(0.1)).toBe("0.10000000")
    expect(usdText("12.00000001")).toBe("12.00000001")
  })
})
