-- SKL_TEST_FEE was named after its department ("国家重点实验室") instead of the item itself.
-- Only the name installed by the 2020 rule set is corrected; a name an administrator changed stays.
UPDATE "ItemTemplate" SET "nameZh" = '国家重点实验室测试费' WHERE "code" = 'SKL_TEST_FEE' AND "nameZh" = '国家重点实验室';
