import express from "express";
import { Pool } from "pg";

const pool = new Pool();
export const router = express.Router();

router.get("/orders/:id", async (req, res) => {
  const result = await pool.query("SELECT * FROM orders WHERE id = $1", [req.params.id]);
  res.json(result.rows);
});
