-- An event that removed its item (a deferral's undecided items): the history says so, and live queues drop the item.
ALTER TABLE "ClearanceEvent" ADD COLUMN "removed" BOOLEAN NOT NULL DEFAULT false;
